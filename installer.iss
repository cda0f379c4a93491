; Inno Setup 6 script for vms_desk: installs the PyInstaller one-folder build (with its own libVLC).
;
; Build it through the build script, which passes the version from the package metadata and the bundle:
;     python packaging\build.py --installer
; or by hand after `python packaging\build.py`:
;     ISCC /DAppVersion=0.1.0 /DBundleDir=dist\vms_desk /Odist\installer installer.iss
; Signing: with /DSignTool=vmsdesk and ISCC's /Svmsdesk=... (build.py does both when VMS_DESK_SIGN_CERT
; names a certificate) the installer and its uninstaller are signed.
;
; Data is never touched: evidence folders (Documents\vms_desk evidence, or wherever the user exported),
; the job store, settings, logs and the audit log (%LOCALAPPDATA%\vms_desk, or VMS_DESK_HOME) live
; outside the install folder. Neither the uninstaller nor an upgrade deletes them.

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=X.Y.Z (packaging\build.py --installer does it)
#endif
#ifndef BundleDir
  #define BundleDir "dist\vms_desk"
#endif
; Release builds compress hard; a quick local check of the script may pass /DCompression=none.
#ifndef Compression
  #define Compression "lzma2"
#endif

[Setup]
; The AppId ties every version together: an upgrade replaces the program in place.
AppId={{5E0F8C2B-7A7B-4C59-9A43-1D2C0B6E7F10}
AppName=vms_desk
AppVersion={#AppVersion}
AppVerName=vms_desk {#AppVersion}
AppPublisher=vms_desk developers
VersionInfoVersion={#AppVersion}
; Per-user by default (no administrator rights); the dialog or /ALLUSERS installs for every user.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog commandline
DefaultDirName={autopf}\vms_desk
DefaultGroupName=vms_desk
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
OutputBaseFilename=vms_desk-{#AppVersion}-setup
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
Compression={#Compression}
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\vms_desk.exe
UninstallDisplayName=vms_desk {#AppVersion}
; A running vms_desk is asked to close (Restart Manager) before its files are replaced.
CloseApplications=yes
RestartApplications=no
SetupLogging=yes
#ifdef SignTool
SignTool={#SignTool}
SignedUninstaller=yes
#endif

[Messages]
ConfirmUninstall=This removes the vms_desk program from %1.%n%nYour evidence folders, the job store, the settings and the audit log are kept: the uninstaller never deletes them.
UninstalledAll=vms_desk was removed from your computer.%n%nYour evidence folders, the job store, the settings and the audit log were kept.

[InstallDelete]
; An upgrade first removes the previous version's program modules (only inside the install folder), so
; no stale module of an older vms_desk is loaded next to the new ones. Data is not in this folder.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{group}\vms_desk"; Filename: "{app}\vms_desk.exe"; Comment: "Export and verify video evidence"
Name: "{group}\vms_desk (demo servers)"; Filename: "{app}\vms_desk.exe"; Parameters: "gui --demo"; Comment: "vms_desk with built-in simulated servers"
Name: "{group}\Uninstall vms_desk"; Filename: "{uninstallexe}"

[Run]
Filename: "{app}\vms_desk.exe"; Description: "Start vms_desk"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete] section on purpose: the uninstaller removes only the files it installed.
