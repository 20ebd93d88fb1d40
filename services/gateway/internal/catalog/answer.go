package catalog

import (
	"embed"
	"io/fs"
)

//go:embed locales/answer.*.toml
var answerLocaleFS embed.FS

// AnswerLocales holds the public answer page's catalogues,
// locales/answer.<lang>.toml: they sit with every other area's text so a
// translator finds them in one folder, and the answer page (package
// answer, outside the coordinators' app) reads them from here.
func AnswerLocales() fs.FS { return answerLocaleFS }
