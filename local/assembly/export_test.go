package assembly

// Props exposes a resource's resolved properties to the package's external tests (nil when the
// stack has no such resource).
func (s *Stack) Props(logical string) map[string]any {
	if r, ok := s.resources[logical]; ok {
		return r.props
	}
	return nil
}
