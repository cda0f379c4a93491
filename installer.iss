; Inno Setup 6 script for vms_desk: installs the PyInstaller one-folder build from dist\vms_desk.
; Build on Windows: pyinstaller packaging\vms_desk.spec --noconfirm, then ISCC installer.iss
#define AppVersion "0.1.0"

[Setup]
AppId={{5E0F8C2B-7A7B-4C59-9A43-1D2C0B6E7F10}
AppName=vms_desk
AppVersion={#AppVersion}
DefaultDirName={autopf}\vms_desk
DefaultGroupName=vms_desk
OutputBaseFilename=vms_desk-{#AppVersion}-setup
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
Compression=lzma2
SolidCompression=yes
PrivilegesRequiredOverridesAllowed=dialog

[Files]
Source: "dist\vms_desk\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{group}\vms_desk"; Filename: "{app}\vms_desk.exe"
Name: "{group}\vms_desk (demo servers)"; Filename: "{app}\vms_desk.exe"; Parameters: "gui --demo"

[Run]
Filename: "{app}\vms_desk.exe"; Description: "Start vms_desk"; Flags: nowait postinstall skipifsilent
