/** Source text read-only, with line numbers and a copy button. */
import { splitLines } from "./line-diff";
import { CopyButton } from "./copy-button";

export function CodeView({ text, label }: { text: string; label: string }) {
  const lines = splitLines(text);
  return (
    <div class="code-view" aria-label={label}>
      <CopyButton text={text} />
      <table>
        <tbody>
          {lines.map((line, i) => (
            <tr key={i}>
              <td class="ln">{i + 1}</td>
              <td>{line || " "}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
