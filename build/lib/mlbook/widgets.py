"""Widgets that never show a traceback: an out-of-range value gets a Korean message."""
import functools

from IPython.display import HTML, display


def out_of_range_message(name: str, value, low, high) -> str:
    return f"⚠️ {name} 값 {value!r}은(는) 쓸 수 없습니다. {low} 이상 {high} 이하의 값을 넣어 주세요."


def checked(**ranges):
    """Decorate a widget callback so each named argument must lie in its ``(low, high)``.

    A value outside its range (or of the wrong type) shows a Korean message instead of
    running the callback; the callback's own errors still surface, as they are bugs.
    """
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            for name, (low, high) in ranges.items():
                if name not in kwargs:
                    continue
                value = kwargs[name]
                try:
                    inside = low <= value <= high
                except TypeError:
                    inside = False
                if not inside:
                    message = out_of_range_message(name, value, low, high)
                    display(HTML(f"<p style='color:#b00020'>{message}</p>"))
                    return None
            return fn(*args, **kwargs)
        return wrapper
    return decorate
