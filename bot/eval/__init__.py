"""The evaluation set of the intent step, and what measures the classifiers on it.

`messages.jsonl` holds realistic customer messages, one JSON object a line: `{"text", "expected"}`,
`expected` an intent name or `none` for what is not a request (greetings, thanks, noise). The set is
never training data: no message of it may be a sample utterance of `bot/ko_KR.json` (a test checks).
`python -m bot.eval` prints the figures; see its `--help`.
"""
