"""Line numbers and underlines on the ruleset text box, drawn by a small script of our
own (editor_marks.js, run in the page by `st.components.v2`, nothing downloaded): the
box stays a plain `st.text_area`, so typing, Ctrl+Enter and the page tests work as
before, and the checker's findings are marked where they are in the text."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import dsl

SCRIPT = Path(__file__).with_name("editor_marks.js").read_text(encoding="utf-8")
STYLE = """
<style>
.st-key-rules-editor textarea {padding-left: 3.4rem !important; white-space: pre;
  overflow-wrap: normal; overflow-x: auto;}
.st-key-rules-editor .route-gutter {position: absolute; width: 2.8rem; overflow: hidden;
  text-align: right; color: var(--st-gray-color, #8a8f98); box-sizing: border-box;
  padding-right: 0.4rem; border-right: 1px solid rgba(128, 128, 128, 0.3);
  user-select: none; z-index: 1;}
.st-key-rules-editor .route-gutter .route-error {color: #c62828; font-weight: 700;}
.st-key-rules-editor .route-gutter .route-warning {color: #b26a00; font-weight: 700;}
.st-key-rules-editor .route-marks {position: absolute; overflow: hidden; white-space: pre;
  color: transparent; pointer-events: none; box-sizing: border-box; z-index: 1;}
.st-key-rules-editor .route-underline {text-decoration: underline wavy;
  text-decoration-skip-ink: none; text-underline-offset: 3px;}
.st-key-rules-editor .route-underline.route-error {text-decoration-color: #c62828;}
.st-key-rules-editor .route-underline.route-warning {text-decoration-color: #b26a00;}
.st-key-rules-editor-marks {display: none;}
</style>
"""
"""Room for the gutter, no wrapping (a line number is one line of the text), and the
marks' colours: red for errors, amber for warnings."""

_marks = st.components.v2.component("route_editor_marks", js=SCRIPT, isolate_styles=False)


def show(text: str, result: dsl.CheckResult) -> None:
    """Number the editor's lines and underline each finding of `result` (for `text`)."""
    st.html(STYLE)
    marks = [[d.line, d.column, d.length, d.severity, d.message] for d in result.diagnostics]
    _marks(key="rules-editor-marks", data={"text": text, "marks": marks}, height=0)
