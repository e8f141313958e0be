// Line numbers and underlines on the ruleset text box (the Rules page's st.text_area).
// The box stays a plain text area: this script draws, beside and over it, a gutter of
// line numbers (a line with a finding is coloured, its message in the tooltip) and a
// transparent copy of the text whose finding spans are underlined. It runs in the page
// (no network); data: {text, marks: [[line, column, length, severity, message], ...]}.
export default function (component) {
  const { data } = component;
  const area = editorArea();
  if (area) {
    drawMarks(area, data);
    return undefined;
  }
  // On a slow first render this script can run before the text box is drawn: it marks
  // the box as soon as the box appears (for a minute at most), not at the next rerun.
  const watcher = new MutationObserver(() => {
    const drawn = editorArea();
    if (drawn) {
      watcher.disconnect();
      drawMarks(drawn, data);
    }
  });
  watcher.observe(document.body, { childList: true, subtree: true });
  const giveUp = setTimeout(() => watcher.disconnect(), 60000);
  return () => {
    clearTimeout(giveUp);
    watcher.disconnect();
  };
}

function editorArea() {
  const box = document.querySelector(".st-key-rules-editor");
  return box ? box.querySelector("textarea") : null;
}

function drawMarks(area, data) {
  const holder = area.parentElement;
  holder.style.position = "relative";
  area.setAttribute("wrap", "off");
  let gutter = holder.querySelector(":scope > .route-gutter");
  if (!gutter) {
    gutter = document.createElement("div");
    gutter.className = "route-gutter";
    gutter.setAttribute("aria-hidden", "true");
    holder.insertBefore(gutter, area);
  }
  let copy = holder.querySelector(":scope > .route-marks");
  if (!copy) {
    copy = document.createElement("div");
    copy.className = "route-marks";
    copy.setAttribute("aria-hidden", "true");
    holder.appendChild(copy);
  }
  const checked = (data && data.text) || "";
  const marks = (data && data.marks) || [];

  function place(element, style) {
    element.style.top = area.offsetTop + "px";
    element.style.height = area.clientHeight + "px";
    element.style.paddingTop = style.paddingTop;
    element.style.lineHeight = style.lineHeight;
    element.style.fontFamily = style.fontFamily;
    element.style.fontSize = style.fontSize;
  }

  function draw() {
    const style = getComputedStyle(area);
    const lines = area.value.split("\n");
    const current = area.value === checked; // marks of an older text are not shown
    const byLine = new Map();
    if (current) {
      for (const mark of marks) {
        const list = byLine.get(mark[0]) || [];
        list.push(mark);
        byLine.set(mark[0], list);
      }
    }
    place(gutter, style);
    gutter.style.left = area.offsetLeft + "px";
    const numbers = document.createElement("div");
    numbers.style.transform = `translateY(${-area.scrollTop}px)`;
    lines.forEach((_, index) => {
      const number = document.createElement("div");
      number.textContent = String(index + 1);
      const found = byLine.get(index + 1);
      if (found) {
        const worst = found.some((mark) => mark[3] === "error") ? "error" : "warning";
        number.className = "route-" + worst;
        number.title = found.map((mark) => `column ${mark[1]}: ${mark[4]}`).join("\n");
      }
      numbers.appendChild(number);
    });
    gutter.replaceChildren(numbers);

    place(copy, style);
    copy.style.left = area.offsetLeft + "px";
    copy.style.width = area.clientWidth + "px";
    copy.style.paddingLeft = style.paddingLeft;
    copy.style.paddingRight = style.paddingRight;
    const text = document.createElement("div");
    text.style.transform = `translate(${-area.scrollLeft}px, ${-area.scrollTop}px)`;
    lines.forEach((line, index) => {
      const row = document.createElement("div");
      let at = 0;
      const found = (byLine.get(index + 1) || []).slice().sort((a, b) => a[1] - b[1]);
      for (const [, column, length, severity, message] of found) {
        const start = Math.max(column - 1, at);
        const end = Math.max(start + Math.max(length, 1), start + 1);
        row.append(line.slice(at, start));
        const span = document.createElement("span");
        span.className = "route-underline route-" + severity;
        span.title = message;
        span.textContent = line.slice(start, end) || " ";
        row.append(span);
        at = end;
      }
      row.append(line.slice(at) || "\u200b");
      text.appendChild(row);
    });
    copy.replaceChildren(text);
  }

  area.routeDraw = draw;
  if (!area.dataset.routeMarks) {
    area.dataset.routeMarks = "on";
    for (const event of ["input", "scroll"]) {
      area.addEventListener(event, () => area.routeDraw());
    }
    new ResizeObserver(() => area.routeDraw()).observe(area);
  }
  draw();
}
