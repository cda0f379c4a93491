# One command on Windows: set up everything, then run linters, type checks and the whole test suite.
$ErrorActionPreference = "Stop"
& (Join-Path $PSScriptRoot "setup.ps1")
Set-Location (Join-Path $PSScriptRoot "..")
& .venv\Scripts\ruff.exe check vms_desk tests benchmarks packaging; if ($LASTEXITCODE) { exit $LASTEXITCODE }
& .venv\Scripts\ruff.exe format --check vms_desk tests benchmarks packaging; if ($LASTEXITCODE) { exit $LASTEXITCODE }
& .venv\Scripts\mypy.exe; if ($LASTEXITCODE) { exit $LASTEXITCODE }
& .venv\Scripts\mypy.exe --platform linux; if ($LASTEXITCODE) { exit $LASTEXITCODE }
$env:QT_QPA_PLATFORM = "offscreen"
& .venv\Scripts\python.exe -m pytest @args
exit $LASTEXITCODE
