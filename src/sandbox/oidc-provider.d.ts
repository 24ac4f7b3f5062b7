/**
 * The small part of `oidc-provider` (8.x, plain JavaScript without type declarations) that the
 * sandbox's staff sign-in (oidc.ts) uses.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface InteractionDetails {
    uid: string;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    params: Record<string, unknown>;
    session?: { accountId?: string };
    grantId?: string;
    returnTo: string;
  }

  export interface Grant {
    addOIDCScope(scope: string): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export interface GrantClass {
    new (properties: { accountId: string; clientId: string }): Grant;
    find(id: string): Promise<Grant | undefined>;
  }

  export interface ProviderError extends Error {
    error: string;
    error_description?: string;
    status: number;
  }

  export class Provider {
    constructor(issuer: string, configuration?: Record<string, unknown>);
    readonly issuer: string;
    readonly Grant: GrantClass;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  export const errors: {
    InvalidTarget: new (description?: string) => ProviderError;
    [name: string]: new (description?: string) => ProviderError;
  };

  export class Check {
    constructor(
      reason: string,
      description: string,
      check: (ctx: { oidc: { result?: Record<string, unknown> } }) => boolean,
    );
    static REQUEST_PROMPT: true;
    static NO_NEED_TO_PROMPT: false;
  }

  export interface PromptPolicy extends Array<{ name: string; checks: Check[] }> {
    get(name: string): { name: string; checks: Check[] } | undefined;
  }

  export const interactionPolicy: {
    Check: typeof Check;
    base(): PromptPolicy;
  };

  export default Provider;
}
