package assembly

import (
	"fmt"
	"regexp"
	"strings"
)

var stageVar = regexp.MustCompile(`\$\{stageVariables\.([A-Za-z0-9_]+)\}`)

// ResolveFunction finds the function and qualifier an integration URI names, after replacing
// ${stageVariables.name} with the stage's values. It accepts a Lambda function ARN (optionally
// qualified), a function name, or an API Gateway invocation ARN wrapping either.
func (a *Assembly) ResolveFunction(uri string, stageVars map[string]string) (*Function, string, error) {
	var missing []string
	uri = stageVar.ReplaceAllStringFunc(uri, func(m string) string {
		name := stageVar.FindStringSubmatch(m)[1]
		v, ok := stageVars[name]
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return nil, "", fmt.Errorf("integration %q uses stage variable %q, which the stage does not set", uri, missing[0])
	}
	target := uri
	if _, after, ok := strings.Cut(uri, ":lambda:path/2015-03-31/functions/"); ok {
		target = strings.TrimSuffix(after, "/invocations")
	}
	name, qualifier := target, ""
	if strings.HasPrefix(target, "arn:") {
		parts := strings.Split(target, ":")
		if len(parts) < 7 || parts[2] != "lambda" || parts[5] != "function" {
			return nil, "", fmt.Errorf("integration %q does not name a Lambda function (want arn:aws:lambda:{region}:{account}:function:{name}[:{alias}])", uri)
		}
		name = parts[6]
		if len(parts) > 7 {
			qualifier = parts[7]
		}
	} else if n, q, ok := strings.Cut(target, ":"); ok {
		name, qualifier = n, q
	}
	var fn *Function
	for _, f := range a.Functions {
		if f.Name == name {
			fn = f
		}
	}
	if fn == nil {
		return nil, "", fmt.Errorf("integration %q names function %q, which no loaded stack defines", uri, name)
	}
	switch {
	case qualifier == "" || qualifier == "$LATEST":
	case fn.Aliases[qualifier] != nil || fn.Versions[qualifier] != nil:
	default:
		return nil, "", fmt.Errorf("integration %q names %s:%s; function %s has no such alias or version (aliases: %s)", uri, name, qualifier, fn.Name, strings.Join(sortedKeys(fn.Aliases), ", "))
	}
	return fn, qualifier, nil
}

// SortedFunctions lists the functions by ID.
func (a *Assembly) SortedFunctions() []*Function {
	out := make([]*Function, 0, len(a.Functions))
	for _, id := range sortedKeys(a.Functions) {
		out = append(out, a.Functions[id])
	}
	return out
}
