func.func @main(%x: tensor<2x4xbf16>) -> tensor<2x4xbf16> {
  return %x : tensor<2x4xbf16>
}
