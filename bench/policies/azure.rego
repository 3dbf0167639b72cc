# The built-in `azure` policy of Onus, translated to Rego for the
# side-by-side benchmark. Same semantics: every rule that matches the input's
# model counts; one party among them decides, none gives the default
# (customer), two or more is a conflict.
package onus.azure

import rego.v1

zones := [
	"data", "endpoints", "accounts", "access management",
	"identity and directory infrastructure", "applications",
	"network controls", "virtual network", "public endpoints",
	"operating system", "virtualization host", "physical storage",
	"physical hosts", "physical network", "physical datacenter",
]

all_models := {"on-prem", "iaas", "paas", "saas"}

cloud := {"iaas", "paas", "saas"}

rules := [
	{"zone": "data", "party": "customer", "models": all_models},
	{"zone": "endpoints", "party": "customer", "models": all_models},
	{"zone": "accounts", "party": "customer", "models": all_models},
	{"zone": "access management", "party": "customer", "models": all_models},
	{"zone": "identity and directory infrastructure", "party": "shared", "models": {"paas", "saas"}},
	{"zone": "applications", "party": "shared", "models": {"paas"}},
	{"zone": "applications", "party": "provider", "models": {"saas"}},
	{"zone": "network controls", "party": "shared", "models": {"paas"}},
	{"zone": "network controls", "party": "provider", "models": {"saas"}},
	{"zone": "virtual network", "party": "shared", "models": {"paas"}},
	{"zone": "virtual network", "party": "provider", "models": {"saas"}},
	{"zone": "public endpoints", "party": "shared", "models": {"paas"}},
	{"zone": "public endpoints", "party": "provider", "models": {"saas"}},
	{"zone": "operating system", "party": "provider", "models": {"paas", "saas"}},
	{"zone": "virtualization host", "party": "provider", "models": cloud},
	{"zone": "physical storage", "party": "provider", "models": cloud},
	{"zone": "physical hosts", "party": "provider", "models": cloud},
	{"zone": "physical network", "party": "provider", "models": cloud},
	{"zone": "physical datacenter", "party": "provider", "models": cloud},
]

matching(zone) := {r.party |
	some r in rules
	r.zone == zone
	input.model in r.models
}

decision[zone] := party if {
	some zone in zones
	parties := matching(zone)
	count(parties) == 1
	some party in parties
}

decision[zone] := "customer" if {
	some zone in zones
	count(matching(zone)) == 0
}

decision[zone] := "conflict" if {
	some zone in zones
	count(matching(zone)) > 1
}
