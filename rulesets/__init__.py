"""rulesets room."""
