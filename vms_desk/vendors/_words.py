"""The vendor's own words after ours: every failure message ends with what the server said, and its code.

Build item 4 of issue 9: the user reads our sentence (what happened, what to do) and then, verbatim,
the server's text and code, so a report from the field can be matched to the vendor's documentation.
"""

from __future__ import annotations

MAX_SAID = 300  # a server's text beyond this is kept in the log detail, not in the sentence


def with_server_words(
    sentence: str, text: str = "", code: str | int | None = None, *, label: str = "code"
) -> str:
    """`sentence`, then `The server said: "text" (code N).` with whatever of the two the server gave.

    `label` names what the code is when it is not a code (e.g. "status" for a status word).
    """
    said = " ".join(text.split())[:MAX_SAID]
    code_text = "" if code is None or str(code).strip() == "" else str(code).strip()
    base = sentence.rstrip()
    if not base.endswith((".", "!", "?")):
        base += "."
    if said and code_text:
        return f'{base} The server said: "{said}" ({label} {code_text}).'
    if said:
        return f'{base} The server said: "{said}".'
    if code_text:
        return f"{base} The server gave {label} {code_text} and no text."
    return base
