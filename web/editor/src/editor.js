// The candidate page's code editor: CodeMirror 6 with Python, bundled by build.mjs into
// judge/interfaces/server/static/editor.js. It only makes the editor; everything that talks to the server
// (drafts, the public examples, submitting) is static/candidate.js, which falls back to a plain textarea
// when this bundle is missing.
import { EditorState, Compartment } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection,
  highlightSpecialChars,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { bracketMatching, indentOnInput, indentUnit, syntaxHighlighting, HighlightStyle } from "@codemirror/language";
import { python } from "@codemirror/lang-python";
import { tags } from "@lezer/highlight";

// The same colours as the judge's own highlighted code (judge/render/highlight.py: .tk-kw, .tk-str...).
const judgeHighlight = HighlightStyle.define([
  { tag: [tags.keyword, tags.controlKeyword, tags.definitionKeyword, tags.moduleKeyword, tags.operatorKeyword],
    color: "#8B2F97", fontWeight: "600" },
  { tag: [tags.string, tags.special(tags.string)], color: "#2D6A1F" },
  { tag: [tags.number, tags.bool, tags.null], color: "#A3470C" },
  { tag: [tags.comment, tags.lineComment], color: "#6B7480", fontStyle: "italic" },
  { tag: [tags.function(tags.definition(tags.variableName)), tags.definition(tags.className)], color: "#0B5CAD", fontWeight: "600" },
]);

const theme = EditorView.theme({
  "&": { fontSize: "14px", border: "1.5px solid #8A94A3", borderRadius: "6px", backgroundColor: "#fff",
         height: "var(--editor-height, 60vh)", color: "#1B2430" },
  "&.cm-focused": { outline: "3px solid #E69F00", outlineOffset: "2px" },
  ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", lineHeight: "1.5",
                    overflow: "auto" },
  ".cm-gutters": { backgroundColor: "#F4F6F8", color: "#5B6573", borderRight: "1px solid #D5DBE1" },
  ".cm-activeLine": { backgroundColor: "#F2F7FB" },
  ".cm-activeLineGutter": { backgroundColor: "#E3ECF4" },
});

/**
 * Make an editor in ``parent`` holding ``doc``. ``onChange(text)`` is called after every edit.
 * Returns {getText, setText, setReadOnly, focus, view}.
 *
 * The editor lives in a shadow root of ``parent``: there CodeMirror's styles go in a constructed stylesheet,
 * which the page's Content-Security-Policy (style-src 'self') allows, where a <style> element would be
 * refused. Its height comes from the page's CSS through --editor-height.
 */
function mount(parent, options) {
  const readOnly = new Compartment();
  const root = parent.attachShadow({ mode: "open" });
  const view = new EditorView({
    parent: root,
    root,
    state: EditorState.create({
      doc: options.doc || "",
      extensions: [
        lineNumbers(), highlightActiveLineGutter(), highlightSpecialChars(), history(), drawSelection(),
        indentOnInput(), bracketMatching(), highlightActiveLine(), indentUnit.of("    "),
        EditorState.tabSize.of(4), python(), syntaxHighlighting(judgeHighlight), theme,
        // Tab indents; Escape then Tab leaves the editor (CodeMirror's own rule for keyboard users).
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        readOnly.of(EditorState.readOnly.of(Boolean(options.readOnly))),
        EditorView.contentAttributes.of({ "aria-label": options.label || "solution.py", spellcheck: "false",
                                          autocapitalize: "off", autocorrect: "off" }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged && options.onChange) { options.onChange(update.state.doc.toString()); }
        }),
      ],
    }),
  });
  return {
    view,
    getText: () => view.state.doc.toString(),
    setText: (text) => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }),
    setReadOnly: (flag) => view.dispatch({ effects: readOnly.reconfigure(EditorState.readOnly.of(flag)) }),
    focus: () => view.focus(),
  };
}

window.mlJudgeEditor = { mount };
