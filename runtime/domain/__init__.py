"""Pure domain: entities, rules, texts and errors. Standard library and attrs only."""
