/**
 * The drop zone's behaviour, headless: drag state, a hidden file input, and
 * keyboard access (Enter or Space opens the picker). The page styles it.
 */
import { useRef, useState, type DragEvent, type KeyboardEvent } from "react";

export function useDropTarget(onFiles: (files: File[]) => void) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const open = (): void => input.current?.click();
  return {
    over,
    rootProps: {
      role: "button",
      tabIndex: 0,
      "aria-label": "Drop files here, or press Enter to choose files",
      onClick: open,
      onKeyDown(event: KeyboardEvent) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          open();
        }
      },
      onDragOver(event: DragEvent) {
        event.preventDefault();
        setOver(true);
      },
      onDragLeave: () => setOver(false),
      onDrop(event: DragEvent) {
        event.preventDefault();
        setOver(false);
        onFiles([...event.dataTransfer.files]);
      },
    },
    inputProps: {
      ref: input,
      type: "file",
      multiple: true,
      hidden: true,
      "data-testid": "file-input",
      onChange(event: React.ChangeEvent<HTMLInputElement>) {
        onFiles([...(event.target.files ?? [])]);
        event.target.value = "";
      },
    },
  };
}
