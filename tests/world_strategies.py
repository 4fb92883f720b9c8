"""Hypothesis strategies shared by the invariant tests over random small worlds
(tests/test_invariants.py, tests/test_default_invariants.py): an end-user type's behaviour."""

from __future__ import annotations

from hypothesis import strategies as st

policies = st.sampled_from(["cash_first", "securities_first"])
user_type = st.fixed_dictionaries(
    {
        "payment_policy": policies,
        "securities_multiple": st.sampled_from([0.0, 0.5, 2.0]),
        "cash_buffer_multiple": st.sampled_from([0.1, 1.0, 3.0]),
        "credit_line_multiple": st.sampled_from([0.0, 0.5]),
        "deleverage_fraction": st.sampled_from([0.0, 0.5]),
        "leverage_appetite": st.sampled_from([0.0, 0.5]),
    }
)
