package graph

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/cilegon/jamsostek/coverage"
)

// A stored discrepancy id is kind + "-" + the first 10 bytes of an unsalted
// SHA-256 of kind|subject (coverage/reconcile/engine.go), and the subject of
// several kinds is the NIK: from the id and the masked NIK (8 digits hidden)
// an analyst could find the NIK in some 10^7 hashes, and discrepancy(id:)
// would look records up by NIK. Until the stored ids are re-keyed (a
// migration, not done yet), callers who see personal data masked (analysts):
//
//   - read Discrepancy.id as kind + "-" + the first 20 hex digits of
//     HMAC-SHA256 of the stored id under a key derived from Config.CursorKey:
//     stable for the server's key, unlinkable to a NIK without it;
//   - cannot call discrepancy(id:) (FORBIDDEN, scope.go): nothing maps a
//     masked id back to a stored one cheaply; discrepancies(filter) lists
//     them. The mutations taking an id are the admin's only.

// discrepancyIDKey derives the key of analysts' discrepancy ids from the
// cursor key, so that neither reveals the other.
func discrepancyIDKey(cursorKey []byte) []byte {
	m := hmac.New(sha256.New, cursorKey)
	m.Write([]byte("jamsostek discrepancy id v1"))
	return m.Sum(nil)
}

// maskDiscrepancyID is the id an analyst sees for a stored id.
func maskDiscrepancyID(key []byte, id string) string {
	kind := id
	if i := strings.LastIndexByte(id, '-'); i >= 0 {
		kind = id[:i]
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	return kind + "-" + hex.EncodeToString(m.Sum(nil))[:20]
}

// maskDiscrepancyIDs is the field middleware serving Discrepancy.id masked
// to masked callers.
func maskDiscrepancyIDs(cursorKey []byte) graphql.FieldMiddleware {
	key := discrepancyIDKey(cursorKey)
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		v, err := next(ctx)
		if err != nil {
			return v, err
		}
		fc := graphql.GetFieldContext(ctx)
		if fc.Object != "Discrepancy" || fc.Field.Name != "id" {
			return v, nil
		}
		if p := caller(ctx); p.Role == RoleAdmin || p.Role == RoleOfficer {
			return v, nil
		}
		// Anyone else (analysts; viewers never reach records) gets the
		// masked form.
		if id, ok := v.(string); ok {
			return maskDiscrepancyID(key, id), nil
		}
		return v, nil
	}
}

// errDiscrepancyByID refuses discrepancy(id:) to a masked caller.
func errDiscrepancyByID(ctx context.Context) error {
	return coverage.Errorf(coverage.EFORBIDDEN, "%s sees personal data masked and cannot look a discrepancy up by id: list them with discrepancies(filter: {kinds, areaCode, kpj, period, ...})", caller(ctx).Name)
}
