"""The Lex bot as data (`ko_KR.json`), the local classifier's stored threshold, and the evaluation set
with its tools (`bot/eval/`). Nothing here ships in the Lambda package."""
