// Flanks entity ids ↔ Tesoro institutions. Flanks' customers test against the entity `testbank`
// (its TestBank, driven by special passwords and SCA values); Tesoro's sandbox has the same words
// on `ins_sandbox_testbank`. Every other entity id is the Tesoro institution id itself.
const aliases: Readonly<Record<string, string>> = { testbank: 'ins_sandbox_testbank' };
const entities: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(aliases).map(([entity, institution]) => [institution, entity]),
);

/** The Flanks entity id of an institution. */
export const entityOf = (institutionId: string) => entities[institutionId] ?? institutionId;

/** The institution a Flanks entity id names. */
export const institutionOfEntity = (entity: string) => aliases[entity] ?? entity;
