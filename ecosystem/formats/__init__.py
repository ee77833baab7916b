"""Date formats per language (FORMAT_MODULE_PATH): each language's own, never
the US `11/23/2026`. What a module leaves out falls back to Django's locale.

Input formats list ISO 8601 first: a `DateInput` renders its value with the
first one, and `<input type="date">` needs `2026-11-23`.
"""
