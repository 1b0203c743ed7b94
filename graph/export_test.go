package graph

// SealCursor seals a cursor's JSON under key as the API does, for tests that
// tamper with cursors.
func SealCursor(key, plain []byte) string {
	c, err := newCursorCodec(key)
	if err != nil {
		panic(err)
	}
	return c.seal(plain)
}
