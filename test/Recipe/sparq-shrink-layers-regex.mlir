// RUN: sparq-opt %s --sparq-shrink-layers="ratio=0.5 include=fc(" --verify-diagnostics

// expected-error @below {{sparq-shrink-layers: invalid regular expression in 'include': parentheses not balanced}}
module {}
