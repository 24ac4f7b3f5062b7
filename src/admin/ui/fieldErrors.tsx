/**
 * A form field's own error message (NHS.UK error message, id `<field id>-error`) and the
 * aria-describedby that ties the field to its hint and message. Shared by the console's forms.
 */

/** The field's messages, or nothing when it has none. `join` sits between messages (default a space). */
export function FieldErrors(props: { id: string; messages?: readonly string[] | undefined; join?: string }) {
  if (!props.messages || props.messages.length === 0) return null;
  return (
    <span className="nhsuk-error-message" id={`${props.id}-error`}>
      <span className="nhsuk-u-visually-hidden">Error:</span> {props.messages.join(props.join ?? ' ')}
    </span>
  );
}

/** `<id>-hint` and `<id>-error` as they apply, or undefined for neither. */
export function describedBy(
  id: string,
  hint: boolean,
  messages?: readonly string[] | undefined,
): string | undefined {
  const ids = [hint ? `${id}-hint` : '', messages && messages.length > 0 ? `${id}-error` : ''].filter(
    (s) => s !== '',
  );
  return ids.length > 0 ? ids.join(' ') : undefined;
}
