/** The page's stylesheet: system fonts, the portal's blue, tables that become cards on narrow screens. */
export const PORTAL_STYLES = `
:root { color-scheme: light; --blue: #0067b8; --blue-dark: #004e8c; --red: #a4262c; --ink: #1b1a19; --muted: #5c5b59;
  --line: #d2d0ce; --soft: #f3f2f1; --focus: #1b1a19; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; font-size: 15px; line-height: 1.45; }
.skip { position: absolute; left: -9999px; top: 0; background: #fff; padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; }
.top { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; justify-content: space-between; padding: .6rem 1.25rem;
  background: #1b1a19; color: #fff; }
.top p { margin: 0; }
.top .brand { font-weight: 600; }
.top .link { color: #9fd5ff; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; outline: none; }
h1 { font-size: 1.5rem; font-weight: 600; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; font-weight: 600; margin: 1.25rem 0 .5rem; }
h3 { font-size: 1rem; font-weight: 600; margin: .5rem 0; }
a { color: var(--blue); }
code, .mono, pre { font-family: ui-monospace, "Cascadia Mono", Consolas, monospace; font-size: .9em; }
.bar { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .5rem 1rem; }
.bar h1, .bar h2 { margin-bottom: .5rem; }
.buttons { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
button, .button { font: inherit; display: inline-flex; align-items: center; justify-content: center; min-height: 2.25rem; padding: .35rem 1rem;
  border: 1px solid #8a8886; border-radius: 2px; background: #fff; color: var(--ink); text-decoration: none; cursor: pointer; }
button:hover, .button:hover { background: var(--soft); }
.primary { background: var(--blue); border-color: var(--blue); color: #fff; }
.primary:hover { background: var(--blue-dark); }
.danger { color: var(--red); border-color: var(--red); }
button.link { border: 0; background: none; padding: 0; min-height: 0; color: var(--blue); text-decoration: underline; text-align: left; justify-content: flex-start; }
button:disabled { opacity: .55; cursor: default; }
:focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; }
[tabindex="-1"]:focus { outline: none; }
.top :focus-visible { outline-color: #fff; }
form { max-width: 36rem; }
.field { margin: 0 0 1rem; }
fieldset.field { border: 0; padding: 0; }
legend, label { display: block; font-weight: 600; margin-bottom: .25rem; }
label.check { display: inline-flex; align-items: center; gap: .35rem; font-weight: 400; margin: .15rem 1.25rem .15rem 0; min-height: 2rem; }
input:not([type=checkbox]):not([type=radio]), textarea, select { font: inherit; width: 100%; padding: .45rem .6rem; border: 1px solid #8a8886; border-radius: 2px; }
input[type=checkbox], input[type=radio] { width: 1.1rem; height: 1.1rem; margin: 0; }
[aria-invalid=true] { border-color: var(--red) !important; box-shadow: inset 0 0 0 1px var(--red); }
.req { color: var(--red); }
.hint { color: var(--muted); font-size: .875rem; margin: .25rem 0 0; }
.error { color: var(--red); font-size: .9rem; margin: .25rem 0 0; }
.error:empty { display: none; }
p.error[role=alert]:not(:empty) { border-left: 3px solid var(--red); background: #fde7e9; padding: .5rem .75rem; color: var(--ink); }
.status:not(:empty) { margin: 0 0 1rem; padding: .5rem .75rem; background: #dff6dd; border-left: 3px solid #107c10; }
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; font-size: .8rem; letter-spacing: .03em; text-transform: uppercase; color: var(--muted); font-weight: 600; }
th, td { padding: .55rem .75rem .55rem 0; border-bottom: 1px solid var(--line); vertical-align: top; }
td { overflow-wrap: anywhere; }
tbody tr:hover { background: var(--soft); }
tbody tr.selected { background: #deecf9; }
#events-table tbody tr { cursor: pointer; }
.empty { color: var(--muted); padding: 1rem 0; }
.props { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: .5rem 1.5rem; margin: 0 0 1rem; }
.props dt { font-size: .8rem; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.props dd { margin: 0; overflow-wrap: anywhere; }
.props dd.mono { white-space: pre-wrap; }
.panel { border: 1px solid var(--line); padding: 0 1rem 1rem; margin: 1rem 0; background: #faf9f8; }
.split { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.split > div { min-width: 0; }
pre { background: #fff; border: 1px solid var(--line); padding: .75rem; overflow: auto; max-height: 24rem; white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 2px; font-size: .85rem; }
.ok { background: #dff6dd; color: #0b5a0b; }
.bad { background: #fde7e9; color: var(--red); }
.off { background: var(--soft); color: var(--muted); }
.api-link { margin: 0; font-size: .9rem; }
.api-link a { color: inherit; }
dialog { border: 1px solid var(--line); border-radius: 2px; padding: 1rem 1.5rem 1.5rem; max-width: min(28rem, 92vw); box-shadow: 0 6px 24px rgba(0,0,0,.25); }
dialog::backdrop { background: rgba(0,0,0,.4); }
dialog h2 { margin-top: .25rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 40rem) {
  main { padding: .75rem .75rem 2rem; }
  .split { grid-template-columns: 1fr; }
  table.cards thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: 100%; }
  table.cards tr { border: 1px solid var(--line); margin: 0 0 .75rem; padding: .5rem .75rem; }
  table.cards td { border: 0; padding: .15rem 0; display: grid; grid-template-columns: 7.5rem 1fr; gap: .5rem; }
  table.cards td > * { justify-self: start; }
  table.cards td::before { content: attr(data-label); font-size: .75rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); padding-top: .15rem; }
}
`;
