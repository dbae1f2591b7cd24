// Package assembly reads a CDK cloud assembly (cdk.out: manifest.json and the stack templates)
// into a typed Go model of what the local gateway serves: Lambda functions, REST, HTTP and
// WebSocket APIs with their routes, stages, authorizers, usage plans and API keys, VPC endpoints,
// user pools and IAM roles, with CloudFormation intrinsics resolved to local values. It is the
// only package of Portico that reads templates; it makes no AWS calls and needs no Node.js.
package assembly

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Assembly is a loaded cloud assembly.
type Assembly struct {
	Dir    string
	Stacks []*Stack

	// Functions by ID (see Function.ID).
	Functions     map[string]*Function
	RestAPIs      []*RestAPI
	HTTPAPIs      []*V2API // ProtocolType HTTP
	WebSocketAPIs []*V2API // ProtocolType WEBSOCKET
	Authorizers   []*Authorizer
	UsagePlans    []*UsagePlan
	APIKeys       []*APIKey
	VPCEndpoints  []*VPCEndpoint // execute-api interface endpoints
	UserPools     []*UserPool
	Roles         []*Role
	// ManagedPolicies are the customer-managed policies of the templates.
	ManagedPolicies []*ManagedPolicy

	// Warnings name what could not be resolved or is not modelled, for printing at start-up.
	Warnings []string

	// refusals are the template values CloudFormation would refuse (out of range): Load fails
	// with all of them.
	refusals []string
}

// Option configures Load.
type Option func(*options)

type options struct{ stacks []string }

// WithStacks restricts loading to the named stacks (display names or artifact IDs).
func WithStacks(names ...string) Option {
	return func(o *options) { o.stacks = append(o.stacks, names...) }
}

type manifest struct {
	Artifacts map[string]struct {
		Type         string
		Environment  string
		DisplayName  string
		Dependencies []string
		Properties   struct {
			TemplateFile string
			StackName    string // the CloudFormation stack name; default: the artifact id
			Directory    string
		}
	}
}

// Load reads dir/manifest.json and every stack template it names.
func Load(dir string, opts ...Option) (*Assembly, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("assembly %q: %w", dir, err)
	}
	raw, err := os.ReadFile(filepath.Join(abs, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("assembly %q has no manifest.json (run `cdk synth` first, or pass the cdk.out folder): %w", dir, err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("assembly %q: manifest.json: %w", dir, err)
	}
	a := &Assembly{Dir: abs, Functions: map[string]*Function{}}
	earlier := &crossStack{exports: map[string]any{}, outputs: map[string]map[string]any{}}
	var found []string
	for _, id := range stackOrder(m) {
		art := m.Artifacts[id]
		name := art.DisplayName
		if name == "" {
			name = id
		}
		found = append(found, name)
		if len(o.stacks) > 0 && !slices.Contains(o.stacks, name) && !slices.Contains(o.stacks, id) {
			continue
		}
		st, err := loadStack(abs, id, art.Environment, art.Properties.TemplateFile, earlier, a.warn)
		if err != nil {
			return nil, err
		}
		earlier.outputs[cmp.Or(art.Properties.StackName, id)] = st.outputs
		a.Stacks = append(a.Stacks, st)
	}
	for _, want := range o.stacks {
		if !slices.ContainsFunc(a.Stacks, func(s *Stack) bool { return s.Name == want }) {
			return nil, fmt.Errorf("stack %q is not in assembly %q; it has: %s", want, dir, strings.Join(found, ", "))
		}
	}
	for id, art := range m.Artifacts {
		if art.Type == "cdk:cloud-assembly" {
			a.warn(fmt.Sprintf("nested assembly %q (a CDK Stage) is not loaded; pass its folder %q instead", id, filepath.Join(dir, art.Properties.Directory)))
		}
	}
	a.model()
	if len(a.refusals) > 0 {
		return nil, fmt.Errorf("assembly %q has values CloudFormation would refuse, so they are not served:\n  %s", dir, strings.Join(a.refusals, "\n  "))
	}
	return a, nil
}

// Stack returns the loaded stack of that name, or nil.
func (a *Assembly) Stack(name string) *Stack {
	for _, st := range a.Stacks {
		if st.Name == name {
			return st
		}
	}
	return nil
}

func (a *Assembly) warn(msg string) {
	if !slices.Contains(a.Warnings, msg) {
		a.Warnings = append(a.Warnings, msg)
	}
}

// crossStack is what the stacks loaded so far offer the next: their exports (Fn::ImportValue)
// and their outputs by stack and output name (Fn::GetStackOutput, which CDK writes for weak
// cross-stack references, @aws-cdk/core:defaultCrossStackReferences "weak").
type crossStack struct {
	exports map[string]any
	outputs map[string]map[string]any
}

// stackOrder lists stack artifacts so that each comes after the stacks it depends on, which
// lets Fn::ImportValue and Fn::GetStackOutput see the values of earlier stacks.
func stackOrder(m manifest) []string {
	var order []string
	seen := map[string]bool{}
	var visit func(id string)
	visit = func(id string) {
		if seen[id] {
			return
		}
		seen[id] = true
		for _, dep := range m.Artifacts[id].Dependencies {
			visit(dep)
		}
		if m.Artifacts[id].Type == "aws:cloudformation:stack" {
			order = append(order, id)
		}
	}
	for _, id := range sortedKeys(m.Artifacts) {
		visit(id)
	}
	return order
}

func loadStack(dir, id, env, file string, earlier *crossStack, warn func(string)) (*Stack, error) {
	path := filepath.Join(dir, file)
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", id, err)
	}
	var t template
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("stack %s: template %s: %w", id, path, err)
	}
	st := &Stack{Name: id, Account: DefaultAccount, Region: DefaultRegion, TemplateFile: path, resources: map[string]*resource{}, raw: &t}
	// environment is aws://{account}/{region}, with unknown-account / unknown-region when agnostic.
	if acct, region, ok := strings.Cut(strings.TrimPrefix(env, "aws://"), "/"); ok {
		if acct != "unknown-account" && acct != "" {
			st.Account = acct
		}
		if region != "unknown-region" && region != "" {
			st.Region = region
		}
	}
	r := &resolver{stack: st, template: &t, earlier: earlier, conditions: map[string]bool{}, evaluating: map[string]bool{}, warn: warn}
	for _, logical := range sortedKeys(t.Resources) {
		res := t.Resources[logical]
		if res.Condition != "" && !r.condition(res.Condition) {
			continue
		}
		r.where = logical
		props, _ := r.value(res.Properties).(map[string]any)
		if props == nil {
			props = map[string]any{}
		}
		st.resources[logical] = &resource{LogicalID: logical, Type: res.Type, props: props, metadata: res.Metadata}
	}
	st.outputs = map[string]any{}
	for _, name := range sortedKeys(t.Outputs) {
		out := t.Outputs[name]
		r.where = "Outputs." + name
		st.outputs[name] = r.value(out.Value)
		if out.Export.Name != nil {
			earlier.exports[scalar(r.value(out.Export.Name))] = st.outputs[name]
		}
	}
	return st, nil
}
