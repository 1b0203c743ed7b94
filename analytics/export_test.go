package analytics

// AnswersKept is the number of answers the service's cache holds.
func (s *Service) AnswersKept() int { return s.answerCache().len() }
