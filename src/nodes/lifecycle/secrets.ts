import { NodeError } from "../../engine/outcome";
import { Redactor, resolveSecrets, type SecretRefs, type SecretResolver } from "../../expressions";
import type { JsonValue } from "../../lib/json";

/**
 * The secrets one attempt can reach: those its templates and scripts name (resolved up front, and the
 * only ones their scope holds), plus those the node asks for by name (`ctx.secret`). Every value
 * either way is redacted from what leaves the attempt.
 */
export class AttemptSecrets {
  private asked: Record<string, JsonValue> = {};

  private constructor(
    /** What scripts and templates see as `secrets`. */
    readonly scope: Record<string, JsonValue>,
    private current: Redactor,
    private readonly resolver: SecretResolver,
  ) {}

  static async resolve(refs: SecretRefs, resolver: SecretResolver): Promise<AttemptSecrets> {
    const { secrets, redactor } = await resolveSecrets(refs, resolver);
    return new AttemptSecrets(secrets, redactor, resolver);
  }

  /** The redactor for everything known so far; read it when redacting, not before (ctx.secret adds to it). */
  get redactor(): Redactor {
    return this.current;
  }

  /** A secret as text (a structured one as JSON); fails, not retried, when the account has none by that name. */
  async get(name: string): Promise<string> {
    let value = Object.hasOwn(this.scope, name) ? this.scope[name] : this.asked[name];
    if (value === undefined) {
      const found = await this.resolver.resolve([name]);
      value = found[name];
      if (value === undefined) throw new NodeError("secret_not_found", `The account has no secret '${name}'`, { name }, false);
      this.asked = { ...this.asked, [name]: value };
      this.current = Redactor.fromSecrets({ ...this.scope, ...this.asked });
    }
    return typeof value === "string" ? value : JSON.stringify(value);
  }
}
