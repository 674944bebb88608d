#!/usr/bin/env bash
# Allocation profile of a running .NET process (a tunnel in pwsh, for example) while you load it: which types its
# hot path allocates most, by share of the bytes.
#   bench/alloc-profile/run.sh <pid> [seconds=8] [top=30]
# Uses dotnet-trace (installed into a temporary tool folder unless on PATH) to record the runtime's GC events at
# verbose level (allocation samples every ~100 KB) and AllocProfile to sum them by type.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pid="${1:?usage: run.sh <pid> [seconds] [top]}"
seconds="${2:-8}"
top="${3:-30}"
. "$here/../lib.sh"
bench_begin rc-alloc-profile
trace_tool="$(command -v dotnet-trace || true)"
if [ -z "$trace_tool" ]; then
    dotnet tool install --tool-path "$work/tools" dotnet-trace --version 10.0.750501 >/dev/null
    trace_tool="$work/tools/dotnet-trace"
fi
dotnet build "$here" -c Release -o "$work/profile" -v quiet -nologo >/dev/null
"$trace_tool" collect -p "$pid" --providers "Microsoft-Windows-DotNETRuntime:0x1:5" \
    --duration "00:00:00:$(printf '%02d' "$seconds")" -o "$work/alloc.nettrace" >/dev/null
dotnet "$work/profile/AllocProfile.dll" "$work/alloc.nettrace" "$top"
