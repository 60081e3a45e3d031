// RUN: sparq-opt %s --sparq-emulate-nvvm --verify-diagnostics

func.func @other_mode(%a: i32, %s: i32) -> i32 {
  // expected-error @below {{sparq-emulate-nvvm: only the default prmt mode is emulated}}
  %r = nvvm.prmt <f4e> %s, %a, %a : i32
  return %r : i32
}
