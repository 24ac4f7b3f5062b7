/**
 * Keeps keyboard focus inside a modal (Tab and Shift+Tab wrap, from any element in it, including a
 * heading or the modal itself that script focused), calls `onEscape` on Escape, moves focus into the
 * modal when it opens, and returns focus to whatever had it before (the opener) when it closes.
 */
import { type RefObject, useEffect, useRef } from 'react';

const CANDIDATES =
  'a[href], area[href], button, input:not([type="hidden"]), select, textarea, summary, iframe, [tabindex]';

/**
 * The elements Tab reaches in `root`, in document order: links, form controls and `<summary>`s that are
 * not disabled, not taken out with tabindex="-1", not inside something hidden or inert, and not inside a
 * closed `<details>` (whose content the browser does not render) other than that details' own summary.
 * A radio group counts once when one of its radios is checked (Tab goes to the checked one).
 */
export function focusableIn(root: HTMLElement): HTMLElement[] {
  const checkedGroups = new Set<string>();
  for (const r of root.querySelectorAll<HTMLInputElement>('input[type="radio"][name]'))
    if (r.checked) checkedGroups.add(r.name);
  return [...root.querySelectorAll<HTMLElement>(CANDIDATES)].filter((el) => {
    if (el.getAttribute('tabindex') === '-1' || el.matches(':disabled') || el.closest('fieldset[disabled]'))
      return false;
    if (el.closest('[hidden], [inert]')) return false;
    const parent = el.parentElement;
    if (
      el.localName === 'summary' &&
      (parent?.localName !== 'details' || parent.querySelector(':scope > summary') !== el)
    )
      return false;
    if (el instanceof HTMLInputElement && el.type === 'radio' && checkedGroups.has(el.name) && !el.checked)
      return false;
    for (let d = el.closest('details'); d; d = d.parentElement?.closest('details') ?? null) {
      if (!d.open && !d.querySelector(':scope > summary')?.contains(el)) return false;
    }
    const style = getComputedStyle(el);
    return style.display !== 'none' && style.visibility !== 'hidden';
  });
}

/**
 * Where Tab (or Shift+Tab) from `active` should go when the browser would leave `root` or its own
 * choice is not the trap's: undefined when the browser's next stop is inside `root` anyway.
 */
export function trapTarget(
  root: HTMLElement,
  active: Element | null,
  back: boolean,
): HTMLElement | undefined {
  const items = focusableIn(root);
  const first = items[0];
  const last = items[items.length - 1];
  if (!first || !last) return root;
  if (!active || !root.contains(active)) return back ? last : first;
  const i = items.indexOf(active as HTMLElement);
  if (i >= 0) {
    if (back && i === 0) return last;
    if (!back && i === items.length - 1) return first;
    return undefined;
  }
  // Focus is on something Tab does not stop at (a heading, the dialog): go to its neighbour by position.
  const next = items.findIndex((el) => active.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
  if (back) return next <= 0 ? last : items[next - 1];
  return next < 0 ? first : items[next];
}

export function useFocusTrap(
  ref: RefObject<HTMLElement | null>,
  onEscape: () => void,
  initialFocus?: RefObject<HTMLElement | null>,
): void {
  const onEscapeRef = useRef(onEscape);
  onEscapeRef.current = onEscape;

  useEffect(() => {
    const root = ref.current;
    if (!root) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    (initialFocus?.current ?? focusableIn(root)[0] ?? root).focus();

    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        onEscapeRef.current();
        return;
      }
      if (event.key !== 'Tab') return;
      const target = trapTarget(root, document.activeElement, event.shiftKey);
      if (target) {
        event.preventDefault();
        target.focus();
      }
    };
    // Focus that escapes (a click on the page behind) is pulled back in.
    const onFocusIn = (event: FocusEvent) => {
      if (event.target instanceof Node && !root.contains(event.target)) {
        (focusableIn(root)[0] ?? root).focus();
      }
    };
    document.addEventListener('keydown', onKeyDown, true);
    document.addEventListener('focusin', onFocusIn);
    return () => {
      document.removeEventListener('keydown', onKeyDown, true);
      document.removeEventListener('focusin', onFocusIn);
      if (opener?.isConnected && opener !== document.body) opener.focus();
    };
  }, [ref, initialFocus]);
}
