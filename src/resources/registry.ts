import { isPermission } from '../access/permission-catalog.ts';
import type { Resource } from './definition.ts';

/** Every resource the API serves, by route name. Adding a resource is adding its definition here. */
export class ResourceRegistry {
  readonly #byName = new Map<string, Resource>();

  constructor(resources: readonly Resource[]) {
    for (const r of resources) {
      if (this.#byName.has(r.name)) throw new Error(`resource ${r.name} is defined twice`);
      this.#byName.set(r.name, r);
    }
    for (const r of resources) {
      for (const granted of Object.values(r.permissions)) {
        for (const p of granted ?? []) {
          if (!isPermission(p)) throw new Error(`${r.name} requires permission "${p}", which is not in the permission catalog`);
        }
      }
      for (const f of r.fields.values()) {
        if (f.references && !this.#byName.has(f.references)) {
          throw new Error(`${r.name}.${f.name} references unknown resource ${f.references}`);
        }
      }
    }
  }

  get(name: string): Resource | undefined {
    return this.#byName.get(name);
  }

  all(): Resource[] {
    return [...this.#byName.values()];
  }
}
