"""`lrmkb docs [TOPIC]`: the documentation that ships inside lrmkb, readable from any
installed copy."""

from __future__ import annotations

from typing import Annotated

import typer

from . import output
from .core import JsonLinesOpt, app

DOCS_COLUMNS = ("topic", "title")


@app.command()
def docs(
    topic: Annotated[
        str | None,
        typer.Argument(metavar="TOPIC", help="A topic from the list; none: list them."),
    ] = None,
    json_lines: JsonLinesOpt = False,
) -> None:
    """Read lrmkb's documentation: the README and the pages of docs/ (cli, output,
    search, export, …). Without TOPIC, list the topics.

    Piped, a page is its Markdown source; on a terminal it is rendered.

    \b
    Examples:
      lrmkb docs
      lrmkb docs output
    """
    from ..about import title_of, topic_text, topics

    if topic is None:
        rows = [[name, title_of(path)] for name, path in topics().items()]
        output.table(DOCS_COLUMNS, rows, json_lines=json_lines, empty="no docs are installed")
        return
    text = topic_text(topic)
    if output.is_terminal():
        from rich.markdown import Markdown

        output.stdout.print(Markdown(text))
    else:
        output.plain(text.rstrip("\n"))
