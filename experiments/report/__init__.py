"""The report of an experiment: seaborn figures and one self-contained HTML page.

What lives here: the HTML page and its sections (``page``), figures of metrics with intervals
(``figures``), curves over time (``curves``), the relationship network (``network``) and the
themes that group metrics and figures (``themes``). It reads only the experiment's tables.
"""
