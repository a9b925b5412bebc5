package sqlstore

// EffectiveGrantsSQL is the query of EffectiveGrants (parameters: tenant,
// user), for the benchmark's EXPLAIN.
const EffectiveGrantsSQL = effectiveGrantsSQL
