/** The element with this id; the markup has every one, so a missing one is a bug worth an error. */
export function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`missing #${id}`);
  return found as T;
}

export function input(id: string): HTMLInputElement {
  return el<HTMLInputElement>(id);
}
