"""The operators' command line: `python -m ops` (or `make ops ARGS="..."`). See `python -m ops --help`."""
