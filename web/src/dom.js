// A small element builder: h('button', { class: 'primary', onclick }, 'Text').
// Attributes starting with "on" become listeners; null/false attributes and children are skipped.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'class') {
      element.className = value;
    } else if (name === 'text') {
      element.textContent = value;
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (name in element && typeof value !== 'string') {
      element[name] = value; // checked, disabled, value ...
    } else {
      element.setAttribute(name, value === true ? '' : value);
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replaceChildren(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

let fieldCount = 0;

// A labelled form field; returns the wrapper, with the control as .control.
export function field(label, control, hint) {
  const id = control.id || `f${++fieldCount}`;
  control.id = id;
  const hintElement = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintElement) control.setAttribute('aria-describedby', hintElement.id);
  const wrapper = h('div', { class: 'field' }, h('label', { for: id }, label), control, hintElement);
  wrapper.control = control;
  return wrapper;
}

// Show (or with a falsy ``text``, clear) a message in the app's language under a field made by
// field(), instead of the browser's own validation bubble; returns whether there is an error.
export function fieldError(wrapper, text) {
  const { control } = wrapper;
  const id = `${control.id}-error`;
  let element = wrapper.querySelector('.field-error');
  const described = (control.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && x !== id);
  if (!text) {
    if (element) element.remove();
    control.removeAttribute('aria-invalid');
    if (described.length) control.setAttribute('aria-describedby', described.join(' '));
    else control.removeAttribute('aria-describedby');
    return false;
  }
  if (!element) {
    element = h('p', { class: 'field-error', id, role: 'alert' });
    wrapper.append(element);
  }
  element.textContent = text;
  control.setAttribute('aria-invalid', 'true');
  control.setAttribute('aria-describedby', [...described, id].join(' '));
  return true;
}

export function select(options, value, attributes = {}) {
  return h('select', attributes, options.map(([optionValue, text]) =>
    h('option', { value: optionValue, selected: optionValue === value }, text)));
}

// A message for screen readers and sighted users alike; replaces the previous one.
export function notice(container, text, kind = 'info') {
  const element = h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
  replaceChildren(container, element);
  return element;
}

export function download(filename, blob) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// Lowercase, without accents, for type-ahead search: "Özdemir" matches "ozd".
export function searchKey(text) {
  return String(text).normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}
