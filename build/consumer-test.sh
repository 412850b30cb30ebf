#!/usr/bin/env bash
# The package as a new user gets it: packs the libraries into a local folder, creates a console project outside the
# repository that references Subspaces.ML from that folder only (plus the CPU libtorch runtime, from the feeds of
# NuGet.config), and runs tests/PackageConsumer/Program.cs on a slice of MNIST from ../shared/data. Prints
# "consumer package test: passed" or "...: FAILED" last; the exit status says the same.
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
data="${SUBSPACES_DATA:-$repo/../shared/data}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "$1"; echo "consumer package test: FAILED"; exit 1; }

feed="$work/feed"
for project in Microsoft.ML.Subspaces.Core Microsoft.ML.Subspaces; do
  dotnet pack "$repo/src/$project" -c Release -o "$feed" -v quiet -nologo >"$work/pack.log" 2>&1 || { cat "$work/pack.log"; fail "dotnet pack $project failed"; }
done
package=$(ls "$feed" | sed -n 's/^Subspaces\.ML\.\([0-9].*\)\.nupkg$/\1/p' | head -1)
[ -n "$package" ] || fail "no Subspaces.ML package in $feed"
# The version repeats while the commit does not change: drop any copy of an earlier pack from the NuGet cache.
cache="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')"
rm -rf "$cache/subspaces.ml" "$cache/subspaces.ml.core"

app="$work/app"
mkdir -p "$app"
cat >"$app/NuGet.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <!-- Added to the machine's own sources (which serve ML.NET, TorchSharp and libtorch); Subspaces.ML is only here. -->
    <add key="subspaces-local" value="$feed" />
  </packageSources>
</configuration>
XML
cat >"$app/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <NoWarn>\$(NoWarn);NU1603</NoWarn>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Subspaces.ML" Version="$package" />
    <PackageReference Include="libtorch-cpu-linux-x64" Version="2.10.0" />
  </ItemGroup>
</Project>
XML
cp "$repo/tests/PackageConsumer/Program.cs" "$app/Program.cs"
(cd "$app" && dotnet build -c Release -nologo -v quiet >"$work/build.log" 2>&1) || { cat "$work/build.log"; fail "the consumer project did not build"; }
grep -q "Subspaces.ML" "$app/obj/project.assets.json" || fail "the consumer did not restore the package"
(cd "$app" && dotnet bin/Release/net10.0/Consumer.dll "$data") || fail "the consumer application failed"
echo "consumer package test: passed (Subspaces.ML $package)"
