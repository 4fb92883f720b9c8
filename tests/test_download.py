"""experiments.download against a local HTTP server (127.0.0.1, no internet needed)."""

from __future__ import annotations

import csv
import io
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from experiments.download import TREASURY_URL, download_history, parse_years
from sim.errors import ConfigError
from sim.market.history import read_history

Serve = Callable[[dict[int, str]], str]


def _handler(files: dict[str, bytes]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = files.get(self.path)
            if body is None:
                self.send_error(404, "Not Found")
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            pass

    return Handler


@pytest.fixture
def serve() -> Iterator[Serve]:
    """``serve({year: csv_text})`` starts a server and returns its url template."""
    servers: list[ThreadingHTTPServer] = []

    def start(per_year: dict[int, str]) -> str:
        files = {f"/{year}.csv": text.encode("utf-8") for year, text in per_year.items()}
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(files))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/{{year}}.csv"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def _to_csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)  # "\r\n" line ends, as a web server might send
    return buffer.getvalue()


def _year_of(cell: str) -> int:
    return int(cell.rsplit("/", 1)[1])


def test_treasury_url_has_year_field() -> None:
    url = TREASURY_URL.format(year=2024)
    assert url.startswith("https://home.treasury.gov/")
    assert "daily-treasury-rates.csv/2024/all" in url and "field_tdr_date_value=2024" in url


def test_shared_years_round_trip(shared_history: Path, serve: Serve, tmp_path: Path) -> None:
    header, *rows = _read_rows(shared_history)
    years = [2019, 2020, 2021]
    per_year = {y: _to_csv([header, *(r for r in rows if _year_of(r[0]) == y)]) for y in years}
    expected = [r for r in rows if _year_of(r[0]) in years]
    assert len(expected) > 700  # about 250 business days a year

    calls: list[int] = []
    out = tmp_path / "sub" / "history.csv"
    result = download_history(years, out, url_template=serve(per_year), progress=calls.append)

    assert result == out and calls == years
    got_header, *got = _read_rows(out)
    assert [h.strip() for h in got_header] == [h.strip() for h in header]
    assert got == expected  # the same rows, cell for cell, newest first
    dates = [pd.Timestamp(r[0]) for r in got]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) == len(dates)
    full = read_history(shared_history)
    pd.testing.assert_frame_equal(read_history(out), full.loc["2019":"2021"])
    assert [p.name for p in out.parent.iterdir()] == ["history.csv"]


def test_union_of_columns_in_maturity_order(serve: Serve, tmp_path: Path) -> None:
    older = "Date,1 Mo,3 Mo,2 Yr,10 Yr,30 Yr\n12/31/2020,0.08,0.09,0.13,0.93,1.65\n"
    older += "12/30/2020,0.06,0.08,0.12,0.93,1.66\n"
    newer = 'Date,"30 Yr","10 Yr","4 Mo","3 Mo","2 Yr","1 Mo"\n'
    newer += "01/05/2021,1.73,0.96,0.09,0.09,0.13,0.08\n01/04/2021,1.66,0.93,0.09,0.09,0.11,0.09\n"
    newer += "12/31/2020,9.99,9.99,9.99,9.99,9.99,9.99\n"  # duplicate date: the first file wins
    url = serve({2020: older, 2021: newer})

    out = download_history([2020, 2021], tmp_path / "h.csv", url_template=url)

    assert _read_rows(out) == [
        ["Date", "1 Mo", "3 Mo", "4 Mo", "2 Yr", "10 Yr", "30 Yr"],
        ["01/05/2021", "0.08", "0.09", "0.09", "0.13", "0.96", "1.73"],
        ["01/04/2021", "0.09", "0.09", "0.09", "0.11", "0.93", "1.66"],
        ["12/31/2020", "0.08", "0.09", "", "0.13", "0.93", "1.65"],
        ["12/30/2020", "0.06", "0.08", "", "0.12", "0.93", "1.66"],
    ]
    levels = read_history(out)
    assert list(levels.index.year) == [2020, 2020, 2021, 2021]


def test_recent_labels_kept(serve: Serve, tmp_path: Path) -> None:
    text = 'Date,"1 Mo","1.5 Month","2 Mo","3 Mo","4 Mo","6 Mo","1 Yr","2 Yr","30 Yr"\n'
    text += "01/03/2025,4.36,4.33,4.31,4.33,4.29,4.25,4.17,4.28,4.82\n"
    text += "01/02/2025,4.45,4.36,4.36,4.36,4.31,4.25,4.17,4.25,4.79\n"
    out = download_history([2025], tmp_path / "h.csv", url_template=serve({2025: text}))
    header = _read_rows(out)[0]
    expected = [
        "Date",
        "1 Mo",
        "1.5 Month",
        "2 Mo",
        "3 Mo",
        "4 Mo",
        "6 Mo",
        "1 Yr",
        "2 Yr",
        "30 Yr",
    ]
    assert header == expected


def test_http_404_leaves_nothing(serve: Serve, tmp_path: Path) -> None:
    url = serve({2020: "Date,3 Mo,10 Yr\n12/31/2020,0.09,0.93\n12/30/2020,0.08,0.93\n"})
    out = tmp_path / "h.csv"
    with pytest.raises(ConfigError, match=r"year 2021: .*/2021\.csv.*HTTP 404"):
        download_history([2020, 2021], out, url_template=url)
    assert list(tmp_path.iterdir()) == []


def test_no_date_column_names_year(serve: Serve, tmp_path: Path) -> None:
    url = serve({2020: "Day,3 Mo\n12/31/2020,0.09\n"})
    with pytest.raises(ConfigError, match=r"year 2020: .*no 'Date' column"):
        download_history([2020], tmp_path / "h.csv", url_template=url)
    assert list(tmp_path.iterdir()) == []


def test_unparseable_result_leaves_old_file(serve: Serve, tmp_path: Path) -> None:
    out = tmp_path / "h.csv"
    out.write_text("old")
    url = serve({2020: "Date,3 Mo\n12/31/2020,abc\n12/30/2020,0.08\n"})
    with pytest.raises(ConfigError, match=r"h\.csv: the downloaded history does not parse"):
        download_history([2020], out, url_template=url)
    assert out.read_text() == "old" and list(tmp_path.iterdir()) == [out]


def test_no_server_hints_no_internet(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port that nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/{{year}}.csv"
    with pytest.raises(ConfigError, match=r"year 2020: .*no internet access\?"):
        download_history([2020], tmp_path / "h.csv", url_template=url, timeout=2.0)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("text", "years"),
    [("2020", [2020]), ("2019-2021", [2019, 2020, 2021]), (" 1990 - 1991 ", [1990, 1991])],
)
def test_parse_years_good(text: str, years: list[int]) -> None:
    assert parse_years(text) == years


def test_parse_years_current_year() -> None:
    this_year = date.today().year
    assert parse_years(f"{this_year - 1}-{this_year}") == [this_year - 1, this_year]


@pytest.mark.parametrize(
    "text", ["", "20", "2021-2019", "1989", "1989-1991", "2019-", "abc", "2019:2021", "9999"]
)
def test_parse_years_bad(text: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_years(text)
    message = str(info.value)
    assert repr(text) in message and "YYYY-YYYY" in message
    assert f"from 1990 to {date.today().year}" in message
