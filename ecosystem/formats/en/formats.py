# English pages and mails: 23 Nov 2026, 23 Nov 2026, 14:05 (day first, month in letters: unambiguous).
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2026-11-23: <input type="date">, first so that date inputs render it
    "%d %b %Y",  # 23 Nov 2026
    "%d %B %Y",  # 23 November 2026
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",  # <input type="datetime-local">
    "%d %b %Y, %H:%M",
    "%d %b %Y %H:%M",
]
