// The HTML report's stylesheet (see html_style.h).
#include "report/html_style.h"

namespace illusion::report {

// Colours are custom properties: a light palette, a dark one for readers who prefer it (screen
// only: print stays light), and the chart series in Okabe & Ito's colour-blind-safe set, each
// series also told apart by its dash and marker. Charts scale with their viewBox; tables
// scroll inside their own box, so nothing widens the page on a phone.
extern const char* const kHtmlStyle = R"css(
:root { color-scheme: light dark;
  --fg: #1b1b1b; --bg: #fff; --muted: #555; --border: #ccc; --head: #f3f3f3;
  --grid: #e4e4e4; --axis: #666; --frame: #999; --alert-bg: #fff3cd; --alert-border: #e0c060;
  --s0: #0072b2; --s1: #d55e00; --s2: #009e73; --s3: #cc79a7; --s4: #e69f00; --s5: #56b4e9;
  --s6: #000; --s7: #7f7f7f; }
@media screen and (prefers-color-scheme: dark) { :root {
  --fg: #e8e8e8; --bg: #141414; --muted: #b0b0b0; --border: #4a4a4a; --head: #222;
  --grid: #333; --axis: #9a9a9a; --frame: #777; --alert-bg: #3a3000; --alert-border: #8a7200;
  --s0: #56b4e9; --s1: #ff8f4d; --s2: #2fd3a2; --s3: #e9a3cc; --s4: #f0c04a; --s5: #9fd7f5;
  --s6: #fff; --s7: #bdbdbd; } }
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: var(--fg); background: var(--bg); line-height: 1.4; overflow-wrap: break-word; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid var(--border); padding-bottom: .2em; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: .5em 0; font-size: .9em; }
caption { text-align: left; font-weight: bold; padding: .2em 0; }
th, td { border: 1px solid var(--border); padding: .25em .6em; }
thead th { background: var(--head); } th[scope="row"] { font-weight: normal; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.machine, .note { color: var(--muted); } .question { font-style: italic; }
.interrupted { background: var(--alert-bg); padding: .5em; border: 1px solid var(--alert-border); }
figure { margin: 1.5em 0; }
svg.chart { max-width: 100%; height: auto; background: var(--bg); border: 1px solid var(--grid); }
svg text { font-family: sans-serif; font-size: 12px; fill: var(--fg); }
svg text.chart-title { font-size: 15px; font-weight: bold; }
svg .grid { stroke: var(--grid); } svg .axis { stroke: var(--axis); }
svg .plot { fill: none; stroke: var(--frame); } svg .line { fill: none; stroke-width: 2; }
svg .dots { fill-opacity: .6; }
.s0 { stroke: var(--s0); fill: var(--s0); } .s1 { stroke: var(--s1); fill: var(--s1); }
.s2 { stroke: var(--s2); fill: var(--s2); } .s3 { stroke: var(--s3); fill: var(--s3); }
.s4 { stroke: var(--s4); fill: var(--s4); } .s5 { stroke: var(--s5); fill: var(--s5); }
.s6 { stroke: var(--s6); fill: var(--s6); } .s7 { stroke: var(--s7); fill: var(--s7); }
svg .line.s1, svg .key.s1 { stroke-dasharray: 8 4; } svg .line.s2, svg .key.s2 { stroke-dasharray: 2 3; }
svg .line.s3, svg .key.s3 { stroke-dasharray: 10 3 2 3; } svg .line.s4, svg .key.s4 { stroke-dasharray: 4 4; }
svg .line.s5, svg .key.s5 { stroke-dasharray: 12 6; } svg .line.s6, svg .key.s6 { stroke-dasharray: 1 2; }
svg .line.s7, svg .key.s7 { stroke-dasharray: 6 2 2 2 2 2; }
svg .key { fill: none; stroke-width: 2; }
details.data summary { cursor: pointer; color: var(--muted); }
details > summary { cursor: pointer; } li:has(> details) { list-style: none; }
nav.toc ul { display: flex; flex-wrap: wrap; gap: .2em 1.2em; list-style: none; padding: 0; }
ul.warn { list-style: none; padding-left: .8em; margin: .2em 0;
          border-left: 3px solid var(--alert-border); }
@media print {
  body { max-width: none; margin: 0; }
  .interrupted { background: none; }
  section.lab { break-before: page; }
  figure, svg, tr, .scroll { break-inside: avoid; }
  .scroll { overflow: visible; }
  details.data, nav.toc { display: none; }
}
)css";

}  // namespace illusion::report
