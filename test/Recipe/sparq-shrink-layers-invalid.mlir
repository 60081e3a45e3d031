// RUN: sparq-opt %s --sparq-shrink-layers="ratio=1.5" --verify-diagnostics

// expected-error @below {{sparq-shrink-layers: ratio must lie in [0, 1), got 1.5}}
module {}
