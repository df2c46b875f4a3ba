#!/usr/bin/env bash
# Regenerates onnx-subset.pb.swift from onnx-subset.proto.
#
# Needs:
#   protoc               apt-get install -y protobuf-compiler   (3.21 used)
#   protoc-gen-swift     built from swift-protobuf at the same version the
#                        package resolves (1.39.0 used), e.g.
#       git clone https://github.com/apple/swift-protobuf.git /tmp/swift-protobuf
#       (cd /tmp/swift-protobuf && git checkout 1.39.0 &&
#        swift build -c release --product protoc-gen-swift)
#
# Usage:  Sources/ONNXProto/generate.sh [path/to/protoc-gen-swift]
#   or set PROTOC_GEN_SWIFT. Defaults to protoc-gen-swift on PATH, then
#   /tmp/swift-protobuf/.build/release/protoc-gen-swift.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
plugin="${1:-${PROTOC_GEN_SWIFT:-}}"
if [[ -z "$plugin" ]]; then
  plugin="$(command -v protoc-gen-swift || true)"
fi
if [[ -z "$plugin" && -x /tmp/swift-protobuf/.build/release/protoc-gen-swift ]]; then
  plugin=/tmp/swift-protobuf/.build/release/protoc-gen-swift
fi
if [[ -z "$plugin" || ! -x "$plugin" ]]; then
  echo "generate.sh: protoc-gen-swift not found (pass its path or set PROTOC_GEN_SWIFT)" >&2
  exit 1
fi
command -v protoc >/dev/null || { echo "generate.sh: protoc not found" >&2; exit 1; }

echo "protoc: $(protoc --version); plugin: $plugin ($("$plugin" --version 2>/dev/null || echo '?'))"
protoc \
  --plugin=protoc-gen-swift="$plugin" \
  --proto_path="$here" \
  --swift_opt=Visibility=Public \
  --swift_opt=FileNaming=DropPath \
  --swift_out="$here" \
  "$here/onnx-subset.proto"
echo "wrote $here/onnx-subset.pb.swift"
