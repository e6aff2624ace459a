/**
 * RxJS's types as the library's public signatures use them.
 *
 * `deno doc --lint` in Deno 2.9 reports a type from an npm package as private wherever a public signature uses
 * it (denoland/deno#27364, fixed upstream by denoland/deno#34339); reached through this `@ignore`d re-export,
 * they are left to RxJS's own documentation. Import them from "rxjs" directly again once the pinned Deno has
 * the fix.
 *
 * @ignore
 */
export type { Observable, OperatorFunction } from "rxjs";
