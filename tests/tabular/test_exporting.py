"""Downloads: formula-safe cells and file names that survive the trip to a browser."""

from email.message import Message
from urllib.parse import unquote

from tabular.exporting import download_response, rows_to_csv


def _filename(header: str) -> str:
    """The name a browser saves, read as RFC 6266 says (filename* wins)."""
    message = Message()
    message["Content-Disposition"] = header
    return message.get_filename()


def test_chinese_file_name_is_sent_as_rfc_6266_extended_value():
    response = download_response(
        b"x", stem="永康市-参与率", file_format="xlsx", dated=False
    )
    header = response["Content-Disposition"]
    header.encode("latin-1")  # a header a server can send as it is
    assert header.startswith("attachment; filename*=utf-8''")
    assert unquote(header.split("''", 1)[1]) == "永康市-参与率.xlsx"
    assert _filename(header) == "永康市-参与率.xlsx"


def test_ascii_file_name_keeps_the_plain_form_and_the_date():
    response = download_response(b"x", stem="units", file_format="csv")
    header = response["Content-Disposition"]
    assert header.startswith('attachment; filename="units-')
    assert header.endswith('.csv"')
    assert len(_filename(header)) == len("units-20261201.csv")


def test_quotes_in_a_name_cannot_break_out_of_the_header():
    response = download_response(
        b"x", stem='a"; filename="evil', file_format="csv", dated=False
    )
    assert _filename(response["Content-Disposition"]) == 'a"; filename="evil.csv'


def test_csv_cells_that_could_run_as_formulas_are_neutralised():
    data = rows_to_csv(["name"], [["=HYPERLINK(1)"], ["+86 138"], ["普通"]])
    lines = data.decode("utf-8-sig").splitlines()
    assert lines == ["name", "'=HYPERLINK(1)", "'+86 138", "普通"]
