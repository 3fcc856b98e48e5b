import { useT } from './context.ts';

/** A failed action, said in the catalogue's words around the server's message (data, shown as text). */
export function ErrorNote({ message }: { message: string | undefined }) {
  const t = useT();
  if (message === undefined) return null;
  return (
    <p class="error" role="alert" data-testid="error">
      {t('error', { message })}
    </p>
  );
}
