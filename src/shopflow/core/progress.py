"""A progress bar for long command-line jobs (imports), and text widths for Chinese terminals."""

import time
import unicodedata

BAR = 30


def width(text: str) -> int:
    """Columns the text takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int) -> str:
    return text + " " * max(0, size - width(text))


class ProgressBar:
    """`Checking [########------]  52%  52,000/100,000` on stderr, redrawn in place on a
    terminal; elsewhere (a log, a pipe) one line per phase."""

    LABELS = {"read": "Reading", "check": "Checking", "write": "Writing"}

    def __init__(self, stream, enabled: bool = True):
        self.stream = stream
        self.enabled = enabled
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.phase = ""
        self.last = 0.0

    def label(self, phase: str) -> str:
        return self.LABELS.get(phase, phase)

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if phase != self.phase:
            self.finish()
            self.phase = phase
            if not self.tty:
                self.stream.write(f"{self.label(phase)}…\n")
        now = time.monotonic()
        if not self.tty or (now - self.last < 0.1 and done < total):
            return
        self.last = now
        share = done / total if total else 0
        filled = round(BAR * share)
        self.stream.write(f"\r{pad(self.label(phase), 10)} [{'#' * filled}{'-' * (BAR - filled)}] "
                          f"{share:4.0%}  {done:,}/{total:,}")
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled and self.tty and self.phase:
            self.stream.write("\n")
        self.phase = ""
