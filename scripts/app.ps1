# One command on Windows: set up everything, then run the app against the built-in demo servers.
$ErrorActionPreference = "Stop"
& (Join-Path $PSScriptRoot "setup.ps1")
Set-Location (Join-Path $PSScriptRoot "..")
& .venv\Scripts\vms-desk.exe gui --demo @args
exit $LASTEXITCODE
