"""Date formats per language, over Django's own (FORMAT_MODULE_PATH).

Times are Japan time on both sites and read on a 24-hour clock in both
languages: 2026年12月19日 23:00 and December 19, 2026, 23:00.
"""
