// Package coverage is the domain of the product: who is protected by employment
// social security (BPJS Ketenagakerjaan, "Jamsostek"), who pays for it, and what
// comes back in claims.
//
// It holds the record types the feeds carry (participants, contributions, claims,
// roster entries, workforce targets), the areas of a city (kecamatan, district;
// kelurahan, urban village), NIK parsing (the 16-digit national ID), BPU tariffs as
// dated data, worker category codes, the coded error type, and the service
// interfaces the adapters implement. It imports nothing of the project and no
// MongoDB, HTTP or GraphQL package: adapters depend on it, never the reverse.
package coverage
