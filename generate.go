package main

// The GraphQL server code in graph/ is generated from schema.graphqls by gqlgen,
// configured in gqlgen.yml, and committed.
//go:generate go tool gqlgen generate
