"""The Lex bot as data (`ko_KR.json`), the local classifier's stored threshold, and the evaluation set
with its tools (`bot/eval/`). Nothing here ships in the Lambda package."""

from pathlib import Path

# The bot's definition: what the Pulumi program builds Lex from and the local classifier learns from.
BOT_FILE = Path(__file__).with_name("ko_KR.json")
